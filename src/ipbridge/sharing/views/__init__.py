"""Pages of shared information (信息共享): product authentication guides (正品鉴别指南), authorised sellers
(授权经销商), who read what (查阅记录), the check of a shop and a marketplace's daily export."""
